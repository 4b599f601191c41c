CREATE TABLE t31 (id bigint PRIMARY KEY, name text NOT NULL);
