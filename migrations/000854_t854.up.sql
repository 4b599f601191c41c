CREATE TABLE t854 (id bigint PRIMARY KEY, name text NOT NULL);
