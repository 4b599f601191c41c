CREATE TABLE t156 (id bigint PRIMARY KEY, name text NOT NULL);
