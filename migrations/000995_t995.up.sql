CREATE TABLE t995 (id bigint PRIMARY KEY, name text NOT NULL);
