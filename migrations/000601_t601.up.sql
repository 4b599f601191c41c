CREATE TABLE t601 (id bigint PRIMARY KEY, name text NOT NULL);
