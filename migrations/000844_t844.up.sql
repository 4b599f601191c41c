CREATE TABLE t844 (id bigint PRIMARY KEY, name text NOT NULL);
