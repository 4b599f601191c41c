CREATE TABLE t50 (id bigint PRIMARY KEY, name text NOT NULL);
