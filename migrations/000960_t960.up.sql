CREATE TABLE t960 (id bigint PRIMARY KEY, name text NOT NULL);
