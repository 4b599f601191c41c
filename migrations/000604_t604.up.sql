CREATE TABLE t604 (id bigint PRIMARY KEY, name text NOT NULL);
