CREATE TABLE t708 (id bigint PRIMARY KEY, name text NOT NULL);
