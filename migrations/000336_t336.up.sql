CREATE TABLE t336 (id bigint PRIMARY KEY, name text NOT NULL);
