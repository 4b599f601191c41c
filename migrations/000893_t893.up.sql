CREATE TABLE t893 (id bigint PRIMARY KEY, name text NOT NULL);
