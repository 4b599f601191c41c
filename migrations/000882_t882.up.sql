CREATE TABLE t882 (id bigint PRIMARY KEY, name text NOT NULL);
