CREATE TABLE t736 (id bigint PRIMARY KEY, name text NOT NULL);
