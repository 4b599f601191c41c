CREATE TABLE t542 (id bigint PRIMARY KEY, name text NOT NULL);
