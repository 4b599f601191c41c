CREATE TABLE t698 (id bigint PRIMARY KEY, name text NOT NULL);
