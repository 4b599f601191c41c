CREATE TABLE t691 (id bigint PRIMARY KEY, name text NOT NULL);
