CREATE TABLE t330 (id bigint PRIMARY KEY, name text NOT NULL);
