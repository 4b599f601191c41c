CREATE TABLE t140 (id bigint PRIMARY KEY, name text NOT NULL);
