CREATE TABLE t610 (id bigint PRIMARY KEY, name text NOT NULL);
