CREATE TABLE t927 (id bigint PRIMARY KEY, name text NOT NULL);
