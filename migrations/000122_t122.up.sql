CREATE TABLE t122 (id bigint PRIMARY KEY, name text NOT NULL);
