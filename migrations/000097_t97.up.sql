CREATE TABLE t97 (id bigint PRIMARY KEY, name text NOT NULL);
