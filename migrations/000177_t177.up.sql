CREATE TABLE t177 (id bigint PRIMARY KEY, name text NOT NULL);
