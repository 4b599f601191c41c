CREATE TABLE t299 (id bigint PRIMARY KEY, name text NOT NULL);
