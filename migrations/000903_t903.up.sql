CREATE TABLE t903 (id bigint PRIMARY KEY, name text NOT NULL);
