CREATE TABLE t911 (id bigint PRIMARY KEY, name text NOT NULL);
