CREATE TABLE t216 (id bigint PRIMARY KEY, name text NOT NULL);
