CREATE TABLE t564 (id bigint PRIMARY KEY, name text NOT NULL);
