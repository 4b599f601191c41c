CREATE TABLE t433 (id bigint PRIMARY KEY, name text NOT NULL);
