CREATE TABLE t633 (id bigint PRIMARY KEY, name text NOT NULL);
