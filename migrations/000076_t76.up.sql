CREATE TABLE t76 (id bigint PRIMARY KEY, name text NOT NULL);
