CREATE TABLE t226 (id bigint PRIMARY KEY, name text NOT NULL);
