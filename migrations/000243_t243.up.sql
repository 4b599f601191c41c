CREATE TABLE t243 (id bigint PRIMARY KEY, name text NOT NULL);
