CREATE TABLE t368 (id bigint PRIMARY KEY, name text NOT NULL);
