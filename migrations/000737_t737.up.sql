CREATE TABLE t737 (id bigint PRIMARY KEY, name text NOT NULL);
