CREATE TABLE t314 (id bigint PRIMARY KEY, name text NOT NULL);
