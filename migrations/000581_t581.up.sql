CREATE TABLE t581 (id bigint PRIMARY KEY, name text NOT NULL);
