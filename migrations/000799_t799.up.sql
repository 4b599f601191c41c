CREATE TABLE t799 (id bigint PRIMARY KEY, name text NOT NULL);
