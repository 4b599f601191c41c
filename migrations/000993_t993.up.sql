CREATE TABLE t993 (id bigint PRIMARY KEY, name text NOT NULL);
