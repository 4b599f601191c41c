CREATE TABLE t548 (id bigint PRIMARY KEY, name text NOT NULL);
