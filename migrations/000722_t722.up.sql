CREATE TABLE t722 (id bigint PRIMARY KEY, name text NOT NULL);
