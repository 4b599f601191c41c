CREATE TABLE t249 (id bigint PRIMARY KEY, name text NOT NULL);
