CREATE TABLE t414 (id bigint PRIMARY KEY, name text NOT NULL);
