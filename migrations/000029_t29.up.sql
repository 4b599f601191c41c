CREATE TABLE t29 (id bigint PRIMARY KEY, name text NOT NULL);
