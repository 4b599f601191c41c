CREATE TABLE t149 (id bigint PRIMARY KEY, name text NOT NULL);
