CREATE TABLE t419 (id bigint PRIMARY KEY, name text NOT NULL);
