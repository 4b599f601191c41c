CREATE TABLE t740 (id bigint PRIMARY KEY, name text NOT NULL);
