CREATE TABLE t609 (id bigint PRIMARY KEY, name text NOT NULL);
