CREATE TABLE t133 (id bigint PRIMARY KEY, name text NOT NULL);
