CREATE TABLE t518 (id bigint PRIMARY KEY, name text NOT NULL);
