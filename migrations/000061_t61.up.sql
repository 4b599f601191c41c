CREATE TABLE t61 (id bigint PRIMARY KEY, name text NOT NULL);
