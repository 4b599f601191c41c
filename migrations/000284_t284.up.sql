CREATE TABLE t284 (id bigint PRIMARY KEY, name text NOT NULL);
