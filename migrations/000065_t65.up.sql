CREATE TABLE t65 (id bigint PRIMARY KEY, name text NOT NULL);
