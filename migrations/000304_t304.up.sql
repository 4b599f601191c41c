CREATE TABLE t304 (id bigint PRIMARY KEY, name text NOT NULL);
