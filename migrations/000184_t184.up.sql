CREATE TABLE t184 (id bigint PRIMARY KEY, name text NOT NULL);
