CREATE TABLE t626 (id bigint PRIMARY KEY, name text NOT NULL);
